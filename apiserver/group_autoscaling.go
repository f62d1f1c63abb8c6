package apiserver

import (
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/skiff-k8s/skiff/registry/autoscaling/horizontalpodautoscaler"
)

// HorizontalPodAutoscalers are stored as autoscaling/v2 and served in both
// versions (autoscaling/v1 by conversion).
func init() {
	serve(autoscalingv2.SchemeGroupVersion, autoscalingHPA)
	serve(autoscalingv1.SchemeGroupVersion, autoscalingHPA)
}

func autoscalingHPA(d deps) (map[string]rest.Storage, error) {
	s := newStorageMap()
	hpa, hpaStatus, err := horizontalpodautoscaler.NewREST(d.opts)
	s.add("horizontalpodautoscalers", hpa, err)
	s.add("horizontalpodautoscalers/status", hpaStatus, err)
	return s.done()
}
