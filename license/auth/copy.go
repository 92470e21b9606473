package auth

import (
	"bytes"
	"context"
	"fmt"
)

// CopyTokens copies every API token of src into dst, with its hash,
// expiry and revocation, so the tokens scripts hold keep working after a
// move from auth.db to a database. Sessions are not copied: people sign
// in again. A token dst already has is skipped, so a copy can be run
// again after a failure; an id dst holds for a different token is an
// error, and the copy stops there.
func CopyTokens(ctx context.Context, dst, src Storage) (copied int, err error) {
	toks, err := src.Tokens(ctx)
	if err != nil {
		return 0, fmt.Errorf("copy tokens: %w", err)
	}
	for _, t := range toks {
		have, ok, err := dst.TokenByID(ctx, t.ID)
		if err != nil {
			return copied, fmt.Errorf("copy tokens: %w", err)
		}
		if ok {
			if !bytes.Equal(have.Hash, t.Hash) {
				return copied, fmt.Errorf("copy tokens: token %s: the destination holds a different token under this id: %w", t.ID, ErrInvalid)
			}
			continue
		}
		if err := dst.PutToken(ctx, t); err != nil {
			return copied, fmt.Errorf("copy tokens: %w", err)
		}
		copied++
	}
	return copied, nil
}
