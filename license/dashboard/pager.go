package dashboard

import (
	"context"

	"github.com/rollcall-sync/rollcall/license"
)

// pager is the members table's count and page links. A link is "" where
// it would lead nowhere (Previous on the first page).
type pager struct {
	Total, Page, Pages, From, To int
	First, Prev, Next, Last      string
}

func newPager(base string, mq membersQuery, total int) pager {
	p := pager{Total: total, Page: mq.Page, Pages: max(1, (total+mq.Limit-1)/mq.Limit)}
	if total > 0 {
		p.From = (mq.Page-1)*mq.Limit + 1
		p.To = min(total, mq.Page*mq.Limit)
	}
	at := func(n int) string {
		q := mq
		q.Page = n
		return q.url(base)
	}
	if mq.Page > 1 {
		p.First, p.Prev = at(1), at(mq.Page-1)
	}
	if mq.Page < p.Pages {
		p.Next, p.Last = at(mq.Page+1), at(p.Pages)
	}
	return p
}

// scanChunk is how many members one store read returns while counting.
const scanChunk = 1000

// membersPageOf returns page (from 1) of limit members and how many match
// opts in all. The store pages by cursor only, so it walks the matching
// members once, keeping the wanted page: the count, the last page and the
// way back are exact, at the cost of one read of the license's members
// per view (fine for the licenses people page through by hand; the API
// and CLI page by cursor).
func membersPageOf(ctx context.Context, st license.Store, id string, opts license.ListOptions, page, limit int) ([]license.Member, int, error) {
	from := (page - 1) * limit
	var out []license.Member
	total := 0
	opts.Limit = scanChunk
	for {
		chunk, err := st.ListMembers(ctx, id, opts)
		if err != nil {
			return nil, 0, err
		}
		for i := range chunk.Members {
			if n := total + i; n >= from && n < from+limit {
				out = append(out, chunk.Members[i])
			}
		}
		total += len(chunk.Members)
		if chunk.Next == "" {
			return out, total, nil
		}
		opts.Cursor = chunk.Next
	}
}
