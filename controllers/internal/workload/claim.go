package workload

import (
	"context"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ControllerUIDIndex is the field index on pods and ReplicaSets holding
// their controller's UID ("" for orphans).
const ControllerUIDIndex = "skiff.controllerUID"

// ControllerUID is the ControllerUIDIndex value of obj.
func ControllerUID(obj client.Object) []string {
	if ref := metav1.GetControllerOfNoCopy(obj); ref != nil {
		return []string{string(ref.UID)}
	}
	return []string{""}
}

// Claimer adopts orphans matching an owner's selector and releases owned
// objects that no longer match, as upstream's ControllerRefManager.
type Claimer struct {
	Client   client.Client
	Owner    metav1.Object
	OwnerGVK schema.GroupVersionKind
	Selector labels.Selector
	// CanAdopt is called once before the first adoption; it should check
	// with a live read that the owner still exists and is not being
	// deleted.
	CanAdopt func(context.Context) error
	checked  error
	didCheck bool
}

// Claim returns the objects owner should manage, adopting and releasing
// as needed. objs must be the owner's dependents plus the orphans of its
// namespace.
func Claim[T client.Object](ctx context.Context, c *Claimer, objs []T) ([]T, error) {
	var out []T
	var errs []error
	for _, o := range objs {
		ref := metav1.GetControllerOfNoCopy(o)
		match := c.Selector.Matches(labels.Set(o.GetLabels()))
		switch {
		case ref != nil && ref.UID == c.Owner.GetUID():
			if match {
				out = append(out, o)
				continue
			}
			if c.Owner.GetDeletionTimestamp() != nil {
				continue
			}
			if err := c.release(ctx, o); err != nil {
				errs = append(errs, err)
			}
		case ref != nil:
			// Someone else's.
		default:
			if !match || o.GetDeletionTimestamp() != nil || c.Owner.GetDeletionTimestamp() != nil {
				continue
			}
			if err := c.adopt(ctx, o); err != nil {
				if !apierrors.IsNotFound(err) {
					errs = append(errs, err)
				}
				continue
			}
			out = append(out, o)
		}
	}
	if len(errs) > 0 {
		return out, errs[0]
	}
	return out, nil
}

func (c *Claimer) adopt(ctx context.Context, o client.Object) error {
	if !c.didCheck {
		c.didCheck = true
		if c.CanAdopt != nil {
			c.checked = c.CanAdopt(ctx)
		}
	}
	if c.checked != nil {
		return fmt.Errorf("can't adopt %s: %w", o.GetName(), c.checked)
	}
	patch := map[string]interface{}{"metadata": map[string]interface{}{
		"uid": o.GetUID(),
		"ownerReferences": []interface{}{map[string]interface{}{
			"apiVersion":         c.OwnerGVK.GroupVersion().String(),
			"kind":               c.OwnerGVK.Kind,
			"name":               c.Owner.GetName(),
			"uid":                c.Owner.GetUID(),
			"controller":         true,
			"blockOwnerDeletion": true,
		}},
	}}
	return c.patch(ctx, o, patch)
}

func (c *Claimer) release(ctx context.Context, o client.Object) error {
	patch := map[string]interface{}{"metadata": map[string]interface{}{
		"uid":             o.GetUID(),
		"ownerReferences": []interface{}{map[string]interface{}{"$patch": "delete", "uid": c.Owner.GetUID()}},
	}}
	err := c.patch(ctx, o, patch)
	if apierrors.IsNotFound(err) || apierrors.IsInvalid(err) {
		// Gone, or its uid changed: nothing to release.
		return nil
	}
	return err
}

func (c *Claimer) patch(ctx context.Context, o client.Object, patch map[string]interface{}) error {
	b, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	return c.Client.Patch(ctx, o, client.RawPatch(types.StrategicMergePatchType, b))
}

// CanAdoptFunc returns a CanAdopt that re-reads the owner live through get
// and checks it is the same object and not being deleted.
func CanAdoptFunc(owner metav1.Object, get func(ctx context.Context) (metav1.Object, error)) func(context.Context) error {
	return func(ctx context.Context) error {
		fresh, err := get(ctx)
		if err != nil {
			return err
		}
		if fresh.GetUID() != owner.GetUID() {
			return fmt.Errorf("original %s is gone: got uid %v, wanted %v", owner.GetName(), fresh.GetUID(), owner.GetUID())
		}
		if fresh.GetDeletionTimestamp() != nil {
			return fmt.Errorf("%s has just been deleted at %v", owner.GetName(), fresh.GetDeletionTimestamp())
		}
		return nil
	}
}
