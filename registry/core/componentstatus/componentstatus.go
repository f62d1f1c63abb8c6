// Package componentstatus serves the deprecated, read-only core/v1
// componentstatuses: the scheduler, the controller manager and etcd. skiff
// runs them all in one process, so they are healthy while it serves.
package componentstatus

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/table"
)

// Names are the components, in the order they are listed.
var Names = []string{"scheduler", "controller-manager", "etcd-0"}

// Health reports a component's health; nil means healthy. The lead may
// replace it with real probes (etcd's /health).
var Health = func(ctx context.Context, name string) error { return nil }

// REST is the componentstatuses resource.
type REST struct{}

var (
	_ rest.Lister             = &REST{}
	_ rest.Getter             = &REST{}
	_ rest.ShortNamesProvider = &REST{}
	_ rest.Scoper             = &REST{}
)

// NewREST returns the componentstatuses resource.
func NewREST() *REST { return &REST{} }

func (*REST) New() runtime.Object     { return &corev1.ComponentStatus{} }
func (*REST) NewList() runtime.Object { return &corev1.ComponentStatusList{} }
func (*REST) Destroy()                {}
func (*REST) NamespaceScoped() bool   { return false }
func (*REST) GetSingularName() string { return "componentstatus" }
func (*REST) ShortNames() []string    { return []string{"cs"} }

func status(ctx context.Context, name string) *corev1.ComponentStatus {
	c := corev1.ComponentCondition{Type: corev1.ComponentHealthy, Status: corev1.ConditionTrue, Message: "ok"}
	if err := Health(ctx, name); err != nil {
		c = corev1.ComponentCondition{Type: corev1.ComponentHealthy, Status: corev1.ConditionFalse, Error: err.Error()}
	}
	return &corev1.ComponentStatus{
		TypeMeta:   metav1.TypeMeta{Kind: "ComponentStatus", APIVersion: "v1"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Conditions: []corev1.ComponentCondition{c},
	}
}

// List returns every component matching the label and field selectors.
func (*REST) List(ctx context.Context, options *metainternalversion.ListOptions) (runtime.Object, error) {
	out := &corev1.ComponentStatusList{}
	for _, name := range Names {
		s := status(ctx, name)
		if options != nil {
			if options.LabelSelector != nil && !options.LabelSelector.Matches(labels.Set(s.Labels)) {
				continue
			}
			if options.FieldSelector != nil && !options.FieldSelector.Matches(fields.Set{"metadata.name": name}) {
				continue
			}
		}
		out.Items = append(out.Items, *s)
	}
	return out, nil
}

// Get returns one component.
func (*REST) Get(ctx context.Context, name string, _ *metav1.GetOptions) (runtime.Object, error) {
	for _, n := range Names {
		if n == name {
			return status(ctx, name), nil
		}
	}
	return nil, apierrors.NewNotFound(corev1.Resource("componentstatuses"), name)
}

// ConvertToTable prints NAME, STATUS, MESSAGE, ERROR.
func (*REST) ConvertToTable(ctx context.Context, obj runtime.Object, opts runtime.Object) (*metav1.Table, error) {
	return Table.ConvertToTable(ctx, obj, opts)
}

// Table prints NAME, STATUS, MESSAGE, ERROR as upstream.
var Table = table.Convertor[*corev1.ComponentStatus]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Status", Type: "string", Description: "Status of the component conditions"},
		{Name: "Message", Type: "string", Description: "Message of the component conditions"},
		{Name: "Error", Type: "string", Description: "Error of the component conditions"},
	},
	Row: func(cs *corev1.ComponentStatus) []interface{} {
		status, msg, errText := "Unknown", "", ""
		for _, c := range cs.Conditions {
			if c.Type == corev1.ComponentHealthy {
				status = "Unhealthy"
				if c.Status == corev1.ConditionTrue {
					status = "Healthy"
				}
				msg, errText = c.Message, c.Error
				break
			}
		}
		return []interface{}{cs.Name, status, msg, errText}
	},
}
