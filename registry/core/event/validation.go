package event

import (
	"context"
	"fmt"
	"reflect"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"github.com/skiff-k8s/skiff/registry/strategy"
)

// reportingInstanceLimit is upstream's ReportingInstanceLengthLimit.
const reportingInstanceLimit = 128

// Base is the strategy both Event APIs share: creates may come as updates
// (clients PUT events that may have expired), and validation depends on the
// API version of the request.
type Base struct{ strategy.Base }

func NewBase() Base { return Base{strategy.Namespaced()} }

func (Base) AllowCreateOnUpdate(context.Context) bool { return true }

func (b Base) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return ValidateCreate(toCore(obj), requestVersion(ctx))
}

func (b Base) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return ValidateUpdate(toCore(obj), toCore(old), requestVersion(ctx))
}

// toCore accepts either shape: validation always reads the core fields.
func toCore(obj runtime.Object) *corev1.Event {
	if e, ok := obj.(*corev1.Event); ok {
		return e
	}
	return Converter(obj)
}

// Converter maps an events.k8s.io Event to the core shape; set by that package.
var Converter func(runtime.Object) *corev1.Event

func requestVersion(ctx context.Context) schema.GroupVersion {
	if info, ok := genericapirequest.RequestInfoFrom(ctx); ok {
		return schema.GroupVersion{Group: info.APIGroup, Version: info.APIVersion}
	}
	return schema.GroupVersion{}
}

// ValidateCreate applies upstream's rules: the legacy ones for core/v1
// requests, and the strict ones for events.k8s.io/v1.
func ValidateCreate(e *corev1.Event, gv schema.GroupVersion) field.ErrorList {
	errs := legacyValidate(e, gv)
	if gv == corev1.SchemeGroupVersion {
		return errs
	}
	errs = append(errs, validation.ValidateObjectMeta(&e.ObjectMeta, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))...)
	errs = append(errs, validateSeries(e)...)
	if e.EventTime.IsZero() {
		errs = append(errs, field.Required(field.NewPath("eventTime"), ""))
	}
	if e.Type != corev1.EventTypeNormal && e.Type != corev1.EventTypeWarning {
		errs = append(errs, field.Invalid(field.NewPath("type"), "", fmt.Sprintf("has invalid value: %v", e.Type)))
	}
	if !e.FirstTimestamp.IsZero() {
		errs = append(errs, field.Invalid(field.NewPath("firstTimestamp"), "", "needs to be unset"))
	}
	if !e.LastTimestamp.IsZero() {
		errs = append(errs, field.Invalid(field.NewPath("lastTimestamp"), "", "needs to be unset"))
	}
	if e.Count != 0 {
		errs = append(errs, field.Invalid(field.NewPath("count"), "", "needs to be unset"))
	}
	if e.Source.Component != "" || e.Source.Host != "" {
		errs = append(errs, field.Invalid(field.NewPath("source"), "", "needs to be unset"))
	}
	return errs
}

// ValidateUpdate is ValidateCreate's counterpart: events.k8s.io/v1 updates
// may not change what an event says, only its series.
func ValidateUpdate(e, old *corev1.Event, gv schema.GroupVersion) field.ErrorList {
	errs := legacyValidate(e, gv)
	if gv == corev1.SchemeGroupVersion {
		return errs
	}
	errs = append(errs, validation.ValidateObjectMetaUpdate(&e.ObjectMeta, &old.ObjectMeta, field.NewPath("metadata"))...)
	if !reflect.DeepEqual(e.Series, old.Series) {
		errs = append(errs, validateSeries(e)...)
	}
	immutable := func(a, b interface{}, name string) {
		if !reflect.DeepEqual(a, b) {
			errs = append(errs, field.Invalid(field.NewPath(name), a, "field is immutable"))
		}
	}
	immutable(e.InvolvedObject, old.InvolvedObject, "involvedObject")
	immutable(e.Reason, old.Reason, "reason")
	immutable(e.Message, old.Message, "message")
	immutable(e.Source, old.Source, "source")
	immutable(e.FirstTimestamp, old.FirstTimestamp, "firstTimestamp")
	immutable(e.LastTimestamp, old.LastTimestamp, "lastTimestamp")
	immutable(e.Count, old.Count, "count")
	immutable(e.Type, old.Type, "type")
	if !e.EventTime.Truncate(time.Microsecond).Equal(old.EventTime.Truncate(time.Microsecond)) {
		immutable(e.EventTime, old.EventTime, "eventTime")
	}
	immutable(e.Action, old.Action, "action")
	immutable(e.Related, old.Related, "related")
	immutable(e.ReportingController, old.ReportingController, "reportingController")
	immutable(e.ReportingInstance, old.ReportingInstance, "reportingInstance")
	return errs
}

func validateSeries(e *corev1.Event) field.ErrorList {
	var errs field.ErrorList
	if e.Series != nil {
		if e.Series.Count < 2 {
			errs = append(errs, field.Invalid(field.NewPath("series.count"), "", "should be at least 2"))
		}
		if e.Series.LastObservedTime.IsZero() {
			errs = append(errs, field.Required(field.NewPath("series.lastObservedTime"), ""))
		}
	}
	return errs
}

func legacyValidate(e *corev1.Event, gv schema.GroupVersion) field.ErrorList {
	var errs field.ErrorList
	controllerField := "reportingController"
	if gv == corev1.SchemeGroupVersion {
		controllerField = "reportingComponent"
	}
	nsPath := field.NewPath("involvedObject", "namespace")
	if e.EventTime.IsZero() {
		if e.InvolvedObject.Namespace == "" {
			if e.Namespace != metav1.NamespaceNone && e.Namespace != metav1.NamespaceDefault {
				errs = append(errs, field.Invalid(nsPath, e.InvolvedObject.Namespace, "does not match event.namespace"))
			}
		} else if e.Namespace != e.InvolvedObject.Namespace {
			errs = append(errs, field.Invalid(nsPath, e.InvolvedObject.Namespace, "does not match event.namespace"))
		}
	} else {
		if e.InvolvedObject.Namespace == "" && e.Namespace != metav1.NamespaceDefault && e.Namespace != metav1.NamespaceSystem {
			errs = append(errs, field.Invalid(nsPath, e.InvolvedObject.Namespace, "does not match event.namespace"))
		}
		if e.ReportingController == "" {
			errs = append(errs, field.Required(field.NewPath(controllerField), ""))
		}
		errs = append(errs, metavalidation.ValidateLabelName(e.ReportingController, field.NewPath(controllerField))...)
		if e.ReportingInstance == "" {
			errs = append(errs, field.Required(field.NewPath("reportingInstance"), ""))
		}
		if len(e.ReportingInstance) > reportingInstanceLimit {
			errs = append(errs, field.Invalid(field.NewPath("reportingInstance"), "", fmt.Sprintf("can have at most %v characters", reportingInstanceLimit)))
		}
		if e.Action == "" {
			errs = append(errs, field.Required(field.NewPath("action"), ""))
		}
		if len(e.Action) > 128 {
			errs = append(errs, field.Invalid(field.NewPath("action"), "", fmt.Sprintf("can have at most %v characters", 128)))
		}
		if e.Reason == "" {
			errs = append(errs, field.Required(field.NewPath("reason"), ""))
		}
		if len(e.Reason) > 128 {
			errs = append(errs, field.Invalid(field.NewPath("reason"), "", fmt.Sprintf("can have at most %v characters", 128)))
		}
		if len(e.Message) > 1024 {
			errs = append(errs, field.Invalid(field.NewPath("message"), "", fmt.Sprintf("can have at most %v characters", 1024)))
		}
	}
	return errs
}
