// Package messages is taskboard's vocabulary: the resources (Board, List, Task, User), the
// commands sent to board actors and their replies, board events, and Error with its codes.
//
// Its JSON tags are the one wire shape shared by REST, SSE, WebSocket and polling. It imports
// only the standard library; every other package depends on it, never the other way round.
package messages
