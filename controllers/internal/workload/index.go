package workload

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

var (
	indexMu sync.Mutex
	indexed = map[string]bool{}
)

// IndexControllerUID adds the ControllerUIDIndex to mgr's cache for obj's
// type, once per manager, so controllers sharing it can each ask for it.
func IndexControllerUID(mgr ctrl.Manager, obj client.Object) error {
	indexMu.Lock()
	defer indexMu.Unlock()
	key := fmt.Sprintf("%p/%s", mgr, reflect.TypeOf(obj))
	if indexed[key] {
		return nil
	}
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), obj, ControllerUIDIndex, ControllerUID); err != nil {
		return err
	}
	indexed[key] = true
	return nil
}
