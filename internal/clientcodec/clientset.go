package clientcodec

import (
	"fmt"
	"net/http"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	appsclient "k8s.io/client-go/kubernetes/typed/apps/v1"
	batchclient "k8s.io/client-go/kubernetes/typed/batch/v1"
	coreclient "k8s.io/client-go/kubernetes/typed/core/v1"
	discoveryclient "k8s.io/client-go/kubernetes/typed/discovery/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
)

// Clientset is client-go's clientset whose core/v1, apps/v1, batch/v1 and
// discovery.k8s.io/v1 clients (the kinds Skiff's informers hold most of)
// decode with Serializer. The other groups are client-go's own.
type Clientset struct {
	*kubernetes.Clientset
	core      *coreclient.CoreV1Client
	apps      *appsclient.AppsV1Client
	batch     *batchclient.BatchV1Client
	discovery *discoveryclient.DiscoveryV1Client
}

var _ kubernetes.Interface = (*Clientset)(nil)

// NewForConfig is kubernetes.NewForConfig with those four groups' clients
// decoding through Serializer. They share the HTTP client and the rate
// limiter with the rest, as client-go's groups do.
func NewForConfig(c *rest.Config) (*Clientset, error) {
	return newForConfig(c, NewSerializer())
}

// NewForCache is NewForConfig for the clients of informers alone: those
// four groups decode through NewCacheSerializer(pods).
func NewForCache(c *rest.Config, pods PodDecoder) (*Clientset, error) {
	return newForConfig(c, NewCacheSerializer(pods))
}

func newForConfig(c *rest.Config, s *Serializer) (*Clientset, error) {
	cfg := *c
	if cfg.UserAgent == "" {
		cfg.UserAgent = rest.DefaultKubernetesUserAgent()
	}
	if cfg.RateLimiter == nil && cfg.QPS > 0 {
		if cfg.Burst <= 0 {
			return nil, fmt.Errorf("burst is required to be greater than 0 when RateLimiter is not set and QPS is set to greater than 0")
		}
		cfg.RateLimiter = flowcontrol.NewTokenBucketRateLimiter(cfg.QPS, cfg.Burst)
	}
	hc, err := rest.HTTPClientFor(&cfg)
	if err != nil {
		return nil, err
	}
	base, err := kubernetes.NewForConfigAndClient(&cfg, hc)
	if err != nil {
		return nil, err
	}
	var firstErr error
	client := func(apiPath string, gv schema.GroupVersion) *rest.RESTClient {
		c, err := restClient(&cfg, hc, s, apiPath, gv)
		if firstErr == nil {
			firstErr = err
		}
		return c
	}
	cs := &Clientset{Clientset: base,
		core:      coreclient.New(client("/api", corev1.SchemeGroupVersion)),
		apps:      appsclient.New(client("/apis", appsv1.SchemeGroupVersion)),
		batch:     batchclient.New(client("/apis", batchv1.SchemeGroupVersion)),
		discovery: discoveryclient.New(client("/apis", discoveryv1.SchemeGroupVersion)),
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return cs, nil
}

// restClient is the REST client client-go's generated group client would
// build for gv, with s as its serializer.
func restClient(c *rest.Config, hc *http.Client, s *Serializer, apiPath string, gv schema.GroupVersion) (*rest.RESTClient, error) {
	cfg := *c
	cfg.GroupVersion = &gv
	cfg.APIPath = apiPath
	cfg.NegotiatedSerializer = s
	return rest.RESTClientForConfigAndClient(&cfg, hc)
}

// CoreV1 decodes through Serializer.
func (c *Clientset) CoreV1() coreclient.CoreV1Interface { return c.core }

// AppsV1 decodes through Serializer.
func (c *Clientset) AppsV1() appsclient.AppsV1Interface { return c.apps }

// BatchV1 decodes through Serializer.
func (c *Clientset) BatchV1() batchclient.BatchV1Interface { return c.batch }

// DiscoveryV1 decodes through Serializer.
func (c *Clientset) DiscoveryV1() discoveryclient.DiscoveryV1Interface { return c.discovery }
