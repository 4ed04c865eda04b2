package persistence

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// maxBatch bounds the rows of one multi-row statement (10 columns each: far below SQLite's
// limit of bound parameters). Each batch size has its own statement text, which a
// connection prepares once and then reuses from its statement cache.
const maxBatch = 64

// errOtherBoard is a write that changed fewer rows than it names: an id belongs to another
// board, whose row the statement leaves alone.
var errOtherBoard = errors.New("an id belongs to another board")

// batchSQL returns the statement texts for 1 to maxBatch rows.
func batchSQL(build func(n int) string) *[maxBatch + 1]string {
	var s [maxBatch + 1]string
	for n := 1; n <= maxBatch; n++ {
		s[n] = build(n)
	}
	return &s
}

// placeholders returns "?, ?, ?" for n parameters.
func placeholders(n int) string { return strings.Repeat("?, ", n-1) + "?" }

// rowsOfPlaceholders returns "(?, ?), (?, ?)" for n rows of cols columns.
func rowsOfPlaceholders(n, cols int) string {
	row := "(" + placeholders(cols) + ")"
	return strings.Repeat(row+", ", n-1) + row
}

// upsertBatches writes items in batches of at most maxBatch, one statement per batch: sqls[n]
// for a batch of n, each item adding its columns with appendRow.
func upsertBatches[T any](ctx context.Context, tx rawTx, what string, items []T, columns int, sqls *[maxBatch + 1]string,
	appendRow func(args []any, item T) []any) error {
	miss := fmt.Errorf("%s: %w", what, errOtherBoard)
	for batch := range slices.Chunk(items, maxBatch) {
		args := make([]any, 0, len(batch)*columns)
		for _, item := range batch {
			args = appendRow(args, item)
		}
		if err := tx.runN(ctx, len(batch), what, miss, sqls[len(batch)], args...); err != nil {
			return err
		}
	}
	return nil
}
