package metrics

import (
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rollcall-sync/rollcall/connectors/syncstate"
)

// Names lists the metric family names Metrics registers, sorted. It is read
// off a registry: a fresh Metrics is registered on its own registry, every
// method is called once so each vector has a series, and the gathered
// families are named. A metric added to Metrics without a method that
// touches it here would be missing, which the package's tests catch by
// comparing with Describe.
func Names() []string {
	reg := prometheus.NewRegistry()
	m := New(reg)
	const d, c, l = "names", "names", "names"
	m.InitDeployment(d, c)
	m.RunFinished(d, c, string(syncstate.ResultSuccess), time.Second, syncstate.Counts{})
	m.Attempt(d, time.Unix(1, 0))
	m.Success(d, time.Unix(1, 0))
	m.SetInterval(d, time.Minute)
	m.SetDesired(d, 1)
	m.SetOverflow(d, 1)
	m.SetSkippedPeople(d, 1)
	m.SetPending(d, 1, time.Unix(1, 0))
	m.SetQuarantined(d, true)
	m.LicenseSeats(l, 1, 1)
	m.Request(c, 200)
	m.Retry(c, ReasonRateLimit)
	m.SetReplica("names")
	m.SetLease(d, "names", true)
	// Gather fails only on inconsistent collectors, a bug the tests catch;
	// what it gathered is still the best answer.
	mfs, _ := reg.Gather()
	out := make([]string, 0, len(mfs))
	for _, mf := range mfs {
		out = append(out, mf.GetName())
	}
	slices.Sort(out)
	return out
}
