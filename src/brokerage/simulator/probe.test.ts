import { it } from 'vitest'
import { createTestDatabase } from '../../db/testing.ts'
import { createDemo } from '../../demo/generate.ts'
it('probe', async () => {
  const t = performance.now()
  const d = await createTestDatabase()
  const r = await createDemo(d.db, { scale: 1, seed: 1, password: 'x', passwordCostLog2: 10 })
  console.log('demo ms', performance.now() - t, JSON.stringify(r.councils[0]))
  await d.close()
}, 120000)
