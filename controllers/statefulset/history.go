package statefulset

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/rand"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// RevisionHashLabel is the label upstream's history package puts on
// ControllerRevisions with their hash.
const RevisionHashLabel = "controller.kubernetes.io/hash"

// TemplatePatch is the ControllerRevision data upstream stores for
// StatefulSets and DaemonSets: a strategic merge patch replacing
// spec.template, which `kubectl rollout undo` applies.
func TemplatePatch(template *corev1.PodTemplateSpec) ([]byte, error) {
	b, err := json.Marshal(template)
	if err != nil {
		return nil, err
	}
	var m map[string]interface{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["$patch"] = "replace"
	return json.Marshal(map[string]interface{}{"spec": map[string]interface{}{"template": m}})
}

// TemplateOf decodes the pod template stored in a revision.
func TemplateOf(rev *appsv1.ControllerRevision) (*corev1.PodTemplateSpec, error) {
	var data struct {
		Spec struct {
			Template corev1.PodTemplateSpec `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(rev.Data.Raw, &data); err != nil {
		return nil, err
	}
	return &data.Spec.Template, nil
}

// HashRevision is upstream's history.HashControllerRevision.
func HashRevision(raw []byte, collisionCount *int32) string {
	hf := fnv.New32()
	if len(raw) > 0 {
		hf.Write(raw)
	}
	if collisionCount != nil {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint32(b, uint32(*collisionCount))
		hf.Write(b)
	}
	return rand.SafeEncodeString(strconv.FormatInt(int64(hf.Sum32()), 10))
}

// RevisionName is upstream's ControllerRevisionName.
func RevisionName(prefix, hash string) string {
	if len(prefix) > 223 {
		prefix = prefix[:223]
	}
	return prefix + "-" + hash
}

// SortRevisions orders revisions by revision number, then creation time
// and name.
func SortRevisions(revs []*appsv1.ControllerRevision) {
	sort.SliceStable(revs, func(i, j int) bool {
		a, b := revs[i], revs[j]
		if a.Revision != b.Revision {
			return a.Revision < b.Revision
		}
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Before(&b.CreationTimestamp)
		}
		return a.Name < b.Name
	})
}

// OwnedRevisions lists the ControllerRevisions controlled by owner.
func OwnedRevisions(ctx context.Context, c client.Client, owner metav1.Object) ([]*appsv1.ControllerRevision, error) {
	list := &appsv1.ControllerRevisionList{}
	if err := c.List(ctx, list, client.InNamespace(owner.GetNamespace())); err != nil {
		return nil, err
	}
	var out []*appsv1.ControllerRevision
	for i := range list.Items {
		if ref := metav1.GetControllerOfNoCopy(&list.Items[i]); ref != nil && ref.UID == owner.GetUID() {
			out = append(out, &list.Items[i])
		}
	}
	SortRevisions(out)
	return out, nil
}

// Revisioner creates or finds the revision for an owner's template.
type Revisioner struct {
	Client    client.Client
	Owner     metav1.Object
	OwnerGVK  schema.GroupVersionKind
	Template  *corev1.PodTemplateSpec
	Collision *int32
	// Labels are the revision's labels apart from the hash labels.
	Labels func(hash string) map[string]string
	// Hash names a new revision; HashRevision of its data when nil.
	Hash func(raw []byte, collision *int32) string
}

// UpdateRevision returns the revision for the owner's current template,
// creating it or renumbering an equal older one as upstream does, and the
// possibly raised collision count.
func (r *Revisioner) UpdateRevision(ctx context.Context, revs []*appsv1.ControllerRevision) (*appsv1.ControllerRevision, int32, error) {
	collision := int32(0)
	if r.Collision != nil {
		collision = *r.Collision
	}
	raw, err := TemplatePatch(r.Template)
	if err != nil {
		return nil, collision, err
	}
	next := int64(1)
	if n := len(revs); n > 0 {
		next = revs[n-1].Revision + 1
	}
	var equal []*appsv1.ControllerRevision
	for _, rev := range revs {
		if string(rev.Data.Raw) == string(raw) {
			equal = append(equal, rev)
		}
	}
	if n := len(equal); n > 0 {
		last := equal[n-1]
		if len(revs) > 0 && last.Name == revs[len(revs)-1].Name {
			return last, collision, nil
		}
		cp := last.DeepCopy()
		cp.Revision = next
		if err := r.Client.Update(ctx, cp); err != nil {
			return nil, collision, err
		}
		return cp, collision, nil
	}
	for {
		hashFn := r.Hash
		if hashFn == nil {
			hashFn = HashRevision
		}
		hash := hashFn(raw, &collision)
		var annotations map[string]string
		if a := r.Owner.GetAnnotations(); len(a) > 0 {
			annotations = map[string]string{}
			for k, v := range a {
				annotations[k] = v
			}
		}
		rev := &appsv1.ControllerRevision{
			ObjectMeta: metav1.ObjectMeta{
				Name:            RevisionName(r.Owner.GetName(), hash),
				Namespace:       r.Owner.GetNamespace(),
				Labels:          r.Labels(hash),
				Annotations:     annotations,
				OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(r.Owner, r.OwnerGVK)},
			},
			Data:     runtime.RawExtension{Raw: raw},
			Revision: next,
		}
		err := r.Client.Create(ctx, rev)
		if err == nil {
			return rev, collision, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return nil, collision, err
		}
		existing := &appsv1.ControllerRevision{}
		if err := r.Client.Get(ctx, client.ObjectKeyFromObject(rev), existing); err != nil {
			return nil, collision, err
		}
		if ref := metav1.GetControllerOfNoCopy(existing); ref != nil && ref.UID == r.Owner.GetUID() && string(existing.Data.Raw) == string(raw) {
			return existing, collision, nil
		}
		collision++
		if collision > 1000 {
			return nil, collision, fmt.Errorf("too many revision hash collisions")
		}
	}
}

// Truncate deletes the oldest revisions not in live beyond limit.
func Truncate(ctx context.Context, c client.Client, revs []*appsv1.ControllerRevision, live map[string]bool, limit int32) error {
	var dead []*appsv1.ControllerRevision
	for _, r := range revs {
		if !live[r.Name] {
			dead = append(dead, r)
		}
	}
	excess := len(dead) - int(limit)
	for i := 0; i < excess; i++ {
		if err := c.Delete(ctx, dead[i]); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	return nil
}
