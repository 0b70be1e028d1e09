// Wraps the @nestjs/swagger CLI plugin as a ts-jest AST transformer, with the options nest-cli.json
// gives it, so that the app under test documents itself exactly as the built app does.
const transformer = require('@nestjs/swagger/plugin');
const { compilerOptions } = require('../../nest-cli.json');

const { options } = compilerOptions.plugins.find((plugin) => plugin.name === '@nestjs/swagger');

module.exports.name = 'nestjs-swagger-transformer';
module.exports.version = 1;
module.exports.factory = (compiler) => transformer.before(options, compiler.program);
