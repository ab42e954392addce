{
  "domain": "__DOMAIN__",
  "name": "__TITLE__",
  "version": "0.1.0",
  "sdk": "__SDK_RANGE__",
  "kind": "driver",
  "sensorKinds": ["camera"],
  "iotClass": "local_push",
  "requirements": ["class-validator"],
  "builtins": ["node:fs"],
  "dependencies": [],
  "ports": ["mqtt"],
  "documentation": "README.md",
  "codeowners": [],
  "entry": "dist/index.js",
  "samples": [{ "path": "samples/counts.jsonl", "format": "__DOMAIN__" }],
  "quality": "silver"
}
