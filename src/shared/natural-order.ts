// The order people expect of names with numbers in: "Care 2" before "Care 10", then letters, in
// any case and with or without accents ("1, 2, 10, 11 … Skylark"). Plain text order puts "10"
// before "2"; ICU's numeric collation, which Node's Intl carries, does not. The register is sorted
// here rather than in SQL because PGlite has no ICU collations.

/** Compare two names in natural order: numbers by their value, letters ignoring case and accents. */
export const naturalOrder = new Intl.Collator('en-GB', { numeric: true, sensitivity: 'base' })
