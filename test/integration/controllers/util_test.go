package controllers

import (
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

type autoscalingScale struct {
	ns, name string
	replicas int32
}

func (s autoscalingScale) obj() *autoscalingv1.Scale {
	return &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Namespace: s.ns, Name: s.name}, Spec: autoscalingv1.ScaleSpec{Replicas: s.replicas}}
}
