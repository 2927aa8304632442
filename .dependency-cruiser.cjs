// The directions Caremarket's code may depend in (docs/decisions.md, "Domains read each other
// through services and reporting read models"), checked by `npm run lint`.
//
// A domain's schema.ts and store.ts are its own: another domain reads its data through its
// service, or through the reporting read model it provides (src/<domain>/reporting/), and refers to
// its rows through the keys it publishes (src/<domain>/keys.ts). Geography is shared reference
// data that every domain may read. src/db/schema.ts gathers every schema for Drizzle; only tests
// import it, to build their fixtures across domains.

const DOMAINS = 'accounts|audit|geography|notifications|providers|brokerage|market|fees'
// Every domain but geography, whose schema any domain may import.
const OWNED = 'accounts|audit|notifications|providers|brokerage|market|fees'
// Tests, and their factories and fixtures (test/support/).
const TESTS = '^(test|e2e)/|[.]test[.]ts$'

// Brokerage's offer path reads the register's locations and writes its audit row in the same
// statement as the offer (bench brokerage), through providers' and audit's tables. Known, and to
// move onto providers' reporting views and an audit helper; nothing else may join them.
const OFFER_PATH = '^src/brokerage/(invitations|offers/store)[.]ts$'

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'brokerage-and-providers-never-import-market',
      comment:
        'The market reacts to brokerage and the register: it listens to their events (src/market/listeners.ts) and reads their read models. They never know it is there.',
      severity: 'error',
      from: { path: '^src/(brokerage|providers)/', pathNot: TESTS },
      to: { path: '^src/market/' },
    },
    {
      name: 'web-and-scheduler-import-no-domain',
      comment:
        "The web app and the scheduler compose the modules and services they are given (src/module.ts, src/services.ts types): they name no domain's code and not the list of modules. Accounts' sessions and roles are the web's own business.",
      severity: 'error',
      from: { path: '^src/(web/|scheduler[.]ts$)', pathNot: TESTS },
      to: { path: `^src/((${DOMAINS.replace('accounts|', '')})/|modules[.]ts$)` },
    },
    {
      name: 'accounts-imports-no-domain',
      comment:
        "Accounts (councils, users, sessions, roles) are beneath every domain: they import none, except to write the audit log, to queue emails in the outbox (invitations, password links), and to hold the register's published keys (keys.ts) as foreign keys. What they need of the register (a provider user's organisation) is handed to them when the services are composed.",
      severity: 'error',
      from: { path: '^src/accounts/', pathNot: TESTS },
      to: {
        path: `^src/(${DOMAINS.replace('accounts|', '')}|webhooks)/`,
        pathNot: '^src/(audit/service|notifications/service|providers/keys)[.]ts$',
      },
    },
    {
      name: 'no-other-domains-schema',
      comment:
        "A domain reads another domain's data through its service or its reporting read model, and refers to its rows through the keys it publishes (keys.ts): never through its schema.ts.",
      severity: 'error',
      from: { path: `^src/(${DOMAINS})/`, pathNot: OFFER_PATH },
      to: { path: `^src/(${OWNED})/(.*/|)schema[.]ts$`, pathNot: '^src/$1/' },
    },
    {
      name: 'offer-path-reads-only-the-register-and-audit',
      comment:
        "Brokerage's offer path may name the register's tables and the audit log (see OFFER_PATH), no other domain's.",
      severity: 'error',
      from: { path: OFFER_PATH },
      to: {
        path: `^src/(${OWNED})/(.*/|)schema[.]ts$`,
        pathNot: '^src/(brokerage|providers|audit)/schema[.]ts$',
      },
    },
    {
      name: 'no-other-domains-store',
      comment: "A domain's store.ts is the SQL of its own tables: other domains call its service instead.",
      severity: 'error',
      from: { path: `^src/(${DOMAINS})/` },
      to: { path: `^src/(${DOMAINS})/(.*/|)store[.]ts$`, pathNot: '^src/$1/' },
    },
    {
      name: 'no-gathered-schema-in-domain-code',
      comment:
        "src/db/schema.ts holds every domain's tables: a domain's code importing it would read them all. Tests may, for their fixtures.",
      severity: 'error',
      from: { path: `^src/(${DOMAINS})/`, pathNot: TESTS },
      to: { path: '^src/db/schema[.]ts$' },
    },
    {
      name: 'demo-only-for-cli-bench-and-tests',
      comment:
        'The demo data and history generator belong to no domain: only the command line, the benchmarks and tests use them (and the schema, for the demo history table).',
      severity: 'error',
      from: { pathNot: `^src/(demo|cli)/|^src/db/schema[.]ts$|^bench/|${TESTS}` },
      to: { path: '^src/demo/' },
    },
    {
      name: 'shared-is-pure',
      comment:
        'src/shared/ holds the rules every module shares (distance, statistics, money, dates): pure modules that import nothing of Caremarket outside src/shared/.',
      severity: 'error',
      from: { path: '^src/shared/', pathNot: TESTS },
      to: { path: '^src/', pathNot: '^src/shared/' },
    },
    {
      name: 'db-imports-no-domain',
      comment:
        "The database layer (connection, migrations, test databases) knows no domain; src/db/schema.ts only gathers the domains' schemas and reporting views.",
      severity: 'error',
      from: { path: '^src/db/', pathNot: '^src/db/schema[.]ts$' },
      to: { path: `^src/(${DOMAINS})/` },
    },
    {
      name: 'gathered-schema-gathers-only-schemas',
      comment: "src/db/schema.ts gathers the domains' schema files and reporting views, nothing else.",
      severity: 'error',
      from: { path: '^src/db/schema[.]ts$' },
      to: {
        path: `^src/(${DOMAINS})/`,
        pathNot: `^src/(${DOMAINS})/((.*/|)schema|reporting/views)[.]ts$`,
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/db/migrations/' },
    // TypeScript 7 has no compiler API for dependency-cruiser to parse with. swc reads every
    // import, type-only ones too (test/dependency-rules.test.ts holds it to that).
    parser: 'swc',
    // Unchanged files are not read again (lint's second run takes a fraction of the first).
    cache: { folder: 'node_modules/.cache/dependency-cruiser', strategy: 'content' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
}
