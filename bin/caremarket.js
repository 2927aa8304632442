#!/usr/bin/env node
// Caremarket is written in TypeScript and run through tsx, so a checkout works
// straight after `npm install` with no build step.
import { register } from 'tsx/esm/api'

register()
await import('../src/main.ts')
