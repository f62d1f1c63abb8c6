// Package volumes materialises a pod's volumes on the host before its
// containers start, using upstream's on-disk layout
// (<pods dir>/<pod uid>/volumes/kubernetes.io~<plugin>/<volume>) so that
// tooling and operators find things where they expect them.
//
// API-object-backed volumes (configMap, secret, downwardAPI, projected) are
// written with the atomic writer scheme: payload in a timestamped directory,
// a "..data" symlink swapped by rename, and per-entry symlinks through
// "..data". A container that mounts the whole volume therefore sees every
// update at once, never a half-written mix. Secret, downwardAPI and projected
// volumes sit on tmpfs like upstream so credentials never reach disk.
//
// Errors name the volume and read like upstream's FailedMount events.
package volumes
