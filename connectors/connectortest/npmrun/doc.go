// Package npmrun runs, from a connector's Go tests, the independent
// npm client installed in the connector's npmclient folder, so that a fake
// is proved against a client nobody here wrote. It owns what every such
// test does alike: find node and the installed package (failing under
// CI=true, where scripts/test.sh has run `npm ci` in every npmclient
// folder, and skipping elsewhere with the command to run), and run one
// script there with its settings in the environment, bounded in time,
// returning what it printed and failing the test with its stderr.
package npmrun
