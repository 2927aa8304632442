#!/usr/bin/env node
// Caremarket is written in TypeScript and run through tsx, so a checkout works
// straight after `npm install` with no build step. It needs Node.js 24, which the
// project brings itself (the `node` package): npm scripts and `npx` find it first.
const [major] = process.versions.node.split('.').map(Number)
if (major < 24) {
  process.stderr.write(
    `Caremarket needs Node.js 24 or later; this is Node.js ${process.versions.node}.\n` +
      'Run it through npm, which uses the Node.js the project installs: `npm start`, or `npx caremarket …`.\n',
  )
  process.exit(1)
}
// Loading the TypeScript takes a few seconds: say something straight away.
if (process.argv[2] === 'serve' && !process.argv.includes('--help') && !process.argv.includes('-h'))
  process.stdout.write('Starting Caremarket…\n')
const { register } = await import('tsx/esm/api')
register()
await import('../src/main.ts')
