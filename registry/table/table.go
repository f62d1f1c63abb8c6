// Package table turns objects into the server-side Tables that kubectl get
// prints. Each resource declares its columns as upstream's printers do and a
// row function for one object; this package handles lists, list metadata and
// the header switch.
package table

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apiserver/pkg/registry/rest"
)

// Convertor builds Tables for objects of type T.
type Convertor[T runtime.Object] struct {
	Columns []metav1.TableColumnDefinition
	// Row returns the cells of one object, one per column, wide ones included:
	// the server always fills every column and kubectl hides those with
	// Priority > 0 unless asked for -o wide.
	Row func(obj T) []interface{}
}

var _ rest.TableConvertor = Convertor[runtime.Object]{}

// ConvertToTable implements rest.TableConvertor.
func (c Convertor[T]) ConvertToTable(_ context.Context, obj runtime.Object, opts runtime.Object) (*metav1.Table, error) {
	t := &metav1.Table{}
	if o, ok := opts.(*metav1.TableOptions); !ok || !o.NoHeaders {
		t.ColumnDefinitions = c.Columns
	}
	if meta.IsListType(obj) {
		items, err := meta.ExtractList(obj)
		if err != nil {
			return nil, err
		}
		t.Rows = make([]metav1.TableRow, 0, len(items))
		for _, item := range items {
			row, err := c.row(item)
			if err != nil {
				return nil, err
			}
			t.Rows = append(t.Rows, row)
		}
		if l, err := meta.ListAccessor(obj); err == nil {
			t.ResourceVersion = l.GetResourceVersion()
			t.Continue = l.GetContinue()
			t.RemainingItemCount = l.GetRemainingItemCount()
		}
		return t, nil
	}
	row, err := c.row(obj)
	if err != nil {
		return nil, err
	}
	t.Rows = []metav1.TableRow{row}
	if m, err := meta.CommonAccessor(obj); err == nil {
		t.ResourceVersion = m.GetResourceVersion()
	}
	return t, nil
}

func (c Convertor[T]) row(obj runtime.Object) (metav1.TableRow, error) {
	typed, ok := obj.(T)
	if !ok {
		return metav1.TableRow{}, fmt.Errorf("cannot print %T in a table of %T", obj, *new(T))
	}
	return metav1.TableRow{Cells: c.Row(typed), Object: runtime.RawExtension{Object: obj}}, nil
}

// NameColumn, AgeColumn are the columns most resources start and end with.
var (
	NameColumn = metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]}
	AgeColumn  = metav1.TableColumnDefinition{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]}
)

// Age prints a timestamp as kubectl does: "5m", "<unknown>" when unset.
func Age(ts metav1.Time) string {
	if ts.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(ts.Time))
}

// MicroAge is Age for MicroTime fields.
func MicroAge(ts metav1.MicroTime) string {
	if ts.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(ts.Time))
}
