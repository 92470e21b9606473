package metrics

// SetReplica names this process's replica ID in rollcall_replica_info.
func (m *Metrics) SetReplica(replica string) {
	m.replica.Reset()
	m.replica.WithLabelValues(replica).Set(1)
}

// SetLease sets whether replica holds the deployment's lease. A lease let
// go drops to 0 rather than vanishing, so a graph shows the hand-over.
func (m *Metrics) SetLease(deployment, replica string, held bool) {
	v := 0.0
	if held {
		v = 1
	}
	m.leases.WithLabelValues(deployment, replica).Set(v)
}
