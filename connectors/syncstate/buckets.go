package syncstate

// The bucket tree of a sync state file (schema version 2):
//
//	meta
//	 └─ schema_version         : uint64, big endian
//	runs
//	 └─ <deployment>           : bucket; its sequence is the last run ID
//	     ├─ last_success       : JSON Run, a copy kept beyond history trimming
//	     └─ history
//	         └─ <run id>       : JSON Run; id is uint64 big endian, so
//	                             cursor order is run order
//	pending
//	 ├─ plans
//	 │   └─ <deployment>       : bucket; its sequence numbers its plans
//	 │       └─ <seq>          : JSON Pending; seq is uint64 big endian
//	 ├─ ids
//	 │   └─ <plan id>          : seq (8 bytes big endian) + deployment name
//	 └─ open
//	     └─ <plan id>          : as in ids, for plans still pending only, so
//	                             listing what awaits approval (done after
//	                             every run) never reads decided plans
//	deployments
//	 └─ <name>                 : JSON connectors.Deployment
//	quarantine                 (schema 2)
//	 └─ <deployment>           : JSON Health: consecutive failures and
//	                             quarantine of one deployment
//	windows                    (schema 2)
//	 └─ <deployment>           : JSON WindowMark: the calendar window the
//	                             deployment was last seen inside
//
// Run IDs and plan sequences come from bucket sequences, which bbolt keeps
// in the same transaction as the records, so a rolled-back write leaves no
// gap and IDs of one deployment increase by one per recorded run.
var (
	bucketMeta        = []byte("meta")
	keySchemaVersion  = []byte("schema_version")
	bucketRuns        = []byte("runs")
	keyLastSuccess    = []byte("last_success")
	bucketHistory     = []byte("history")
	bucketPending     = []byte("pending")
	bucketPlans       = []byte("plans")
	bucketPlanIDs     = []byte("ids")
	bucketOpen        = []byte("open")
	bucketDeployments = []byte("deployments")
	bucketQuarantine  = []byte("quarantine")
	bucketWindows     = []byte("windows")
)
