// Package kubernetes holds the Kubernetes manifests that run "harness load" as
// N shards of an Indexed Job and merge them with "harness merge" (see
// README.md in this folder). It has no Go code: its test decodes every
// manifest strictly into the k8s.io/api types, the way the API server does,
// and checks that the Job's parallelism, completions, shard flag, volumes and
// security settings agree.
package kubernetes
