package engine

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// gaugeOf finds one series in the registry as a collector testutil.ToFloat64 reads.
func gaugeOf(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.Metric {
			if matches(m, labels) {
				v := m.GetGauge().GetValue() + m.GetCounter().GetValue()
				return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "probe"}, func() float64 { return v })
			}
		}
	}
	t.Fatalf("no series %s%v in the registry", name, labels)
	return nil
}

func matches(m *dto.Metric, labels map[string]string) bool {
	if len(m.Label) != len(labels) {
		return false
	}
	for _, l := range m.Label {
		if labels[l.GetName()] != l.GetValue() {
			return false
		}
	}
	return true
}
