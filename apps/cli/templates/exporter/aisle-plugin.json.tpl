{
  "domain": "__DOMAIN__",
  "name": "__TITLE__",
  "version": "0.1.0",
  "sdk": "__SDK_RANGE__",
  "kind": "exporter",
  "sensorKinds": [],
  "iotClass": "calculated",
  "requirements": ["class-validator"],
  "builtins": ["node:fs"],
  "dependencies": [],
  "ports": [],
  "documentation": "README.md",
  "codeowners": [],
  "entry": "dist/index.js",
  "samples": [],
  "quality": "silver"
}
