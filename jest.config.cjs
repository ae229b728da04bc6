/** Jest runs the TypeScript sources as native ESM (NestJS 12 is ESM-only); see README "Tests". */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.test.json' }],
    // An ESM-only package that CommonJS plugins require() (@fastify/static, used by Bull Board and
    // the OpenAPI UI): Jest before Node 24.9 cannot require ESM, so it is compiled to CommonJS.
    '^.+/node_modules/content-disposition/.+\\.js$': [
      'ts-jest',
      { useESM: false, isolatedModules: true, tsconfig: { allowJs: true, module: 'commonjs', esModuleInterop: true } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  moduleNameMapper: {
    '^@app/event-store$': '<rootDir>/libs/event-store/src/index.ts',
    '^@app/event-store/(.*)$': '<rootDir>/libs/event-store/src/$1',
    '^@app/testing$': '<rootDir>/libs/testing/src/index.ts',
    '^@app/testing/(.*)$': '<rootDir>/libs/testing/src/$1',
  },
  testMatch: ['<rootDir>/{src,libs,test}/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
