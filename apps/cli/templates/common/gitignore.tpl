node_modules/
dist/
.test-build/
*.tgz
