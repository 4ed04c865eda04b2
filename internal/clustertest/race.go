//go:build race

package clustertest

// raceBuild builds the nodes with the race detector when the tests run with it.
const raceBuild = true
