import { HOSTILE_ROWS, testFaultRows } from './fault-table.js';

// A hostile or broken service: bad URLs, redirects out of http(s), oversized and lying bodies. Each row also
// checks that nothing is written outside out/ and no .part is left (expectSafeEnd), and the run ends.
testFaultRows('hostile service: refused or made safe, memory bounded, nothing outside out/', HOSTILE_ROWS);
