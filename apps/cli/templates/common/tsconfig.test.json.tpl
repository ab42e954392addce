{
  "extends": "./tsconfig.json",
  "compilerOptions": { "rootDir": ".", "outDir": ".test-build", "sourceMap": false },
  "include": ["src", "test"]
}
