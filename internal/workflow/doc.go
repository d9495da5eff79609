// Package workflow reads, inspects and rewrites ComfyUI workflows in API format (the graph
// POST /prompt takes). It finds where the generation parameters (prompt, seed, size, …) live
// — from a YAML sidecar, node titles, links traced from the sampler, or class rules, in that
// order — sets them, validates a graph against a server's /object_info, and strips secrets
// before a workflow is stored or shown. It does no network I/O.
package workflow
