// Package web is taskboard's browser UI: a TypeScript and Preact app whose sources live in
// src/ and whose build, committed in dist/, is embedded into the binary, so that `go build`
// alone yields a server with its UI. `make web` rebuilds dist/ from the sources.
//
// It imports only the standard library; cmd/taskboard hands Dist to the gateway.
package web

import (
	"embed"
	"io/fs"
)

//go:embed dist
var dist embed.FS

// Dist returns the built UI: index.html and favicon.svg at its root, hashed assets under
// assets/.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// "dist" is a constant, valid path: fs.Sub cannot fail on it.
		panic(err)
	}
	return sub
}
