{
  "name": "aisle-plugin-__DOMAIN__",
  "version": "0.1.0",
  "description": "__TITLE__: an Aisle __KIND__ plugin",
  "type": "module",
  "keywords": [
    "aisle-plugin"
  ],
  "license": "Apache-2.0",
  "main": "dist/index.js",
  "files": [
    "dist",
    "aisle-plugin.json",
    "README.md",
    "samples"
  ],
  "engines": {
    "node": ">=20.19"
  },
  "scripts": {
    "build": "tsc -p tsconfig.json",
    "test": "tsc -p tsconfig.test.json && node --test .test-build/test/*.test.js",
    "check": "aisle plugins check ."
  },
  "peerDependencies": {
    "@aisle/sdk": "__SDK_RANGE__",
    "class-transformer": "^0.5.1",
    "class-validator": "^0.15.1",
    "reflect-metadata": "^0.2.2"
  },
  "devDependencies": {
    "@types/node": "^20.19.0",
    "typescript": "6.0.3"
  }
}
