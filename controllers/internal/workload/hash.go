package workload

import (
	"encoding/binary"
	"fmt"
	"hash"
	"hash/fnv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/utils/dump"
)

// PodTemplateHashLabel is the label a Deployment adds to its ReplicaSets'
// selector and pod template.
const PodTemplateHashLabel = "pod-template-hash"

// deepHash writes obj to h as upstream's hashutil.DeepHashObject does: a
// dump that follows pointers and sorts map keys, so equal values hash
// equally.
func deepHash(h hash.Hash, obj interface{}) {
	h.Reset()
	fmt.Fprintf(h, "%v", dump.ForHash(obj))
}

// ComputeHash returns the pod-template-hash of template with an optional
// collision count, the same value upstream's deployment controller
// computes.
func ComputeHash(template *corev1.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	deepHash(h, *template)
	if collisionCount != nil {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint32(b, uint32(*collisionCount))
		h.Write(b)
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}
