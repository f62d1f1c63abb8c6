// Package strategy holds the parts of a REST strategy that most resources
// share, so that each resource's strategy only says what is its own:
// defaulting on create/update, validation, and status handling.
package strategy

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/storage/names"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/skiff-k8s/skiff/apis"
)

// Base implements the boring methods of rest.RESTCreateStrategy,
// RESTUpdateStrategy and RESTDeleteStrategy. Embed it and add
// PrepareForCreate, PrepareForUpdate, Validate and ValidateUpdate.
type Base struct {
	runtime.ObjectTyper
	names.NameGenerator
	Namespaced bool
}

// Namespaced returns a Base for a namespaced resource.
func Namespaced() Base {
	return Base{ObjectTyper: apis.Scheme, NameGenerator: names.SimpleNameGenerator, Namespaced: true}
}

// Cluster returns a Base for a cluster-scoped resource.
func Cluster() Base {
	return Base{ObjectTyper: apis.Scheme, NameGenerator: names.SimpleNameGenerator}
}

func (b Base) NamespaceScoped() bool                                   { return b.Namespaced }
func (Base) AllowCreateOnUpdate(context.Context) bool                  { return false }
func (Base) AllowUnconditionalUpdate(context.Context) bool             { return true }
func (Base) Canonicalize(runtime.Object)                               {}
func (Base) WarningsOnCreate(context.Context, runtime.Object) []string { return nil }
func (Base) WarningsOnUpdate(context.Context, runtime.Object, runtime.Object) []string {
	return nil
}

// ResetStatus is the GetResetFields of a resource with a status subresource:
// writes to the main resource do not own or change .status.
func ResetStatus(versions ...string) map[fieldpath.APIVersion]*fieldpath.Set {
	out := map[fieldpath.APIVersion]*fieldpath.Set{}
	for _, v := range versions {
		out[fieldpath.APIVersion(v)] = fieldpath.NewSet(fieldpath.MakePathOrDie("status"))
	}
	return out
}

// ResetAllButStatus is the GetResetFields of a status subresource: only
// .status may change through it.
func ResetAllButStatus(versions ...string) map[fieldpath.APIVersion]*fieldpath.Set {
	out := map[fieldpath.APIVersion]*fieldpath.Set{}
	for _, v := range versions {
		out[fieldpath.APIVersion(v)] = fieldpath.NewSet(fieldpath.MakePathOrDie("spec"))
	}
	return out
}

// Errs is shorthand used by validators.
type Errs = field.ErrorList
