package githubapi_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deploy-lifecycle/deployment-action/internal/githubapi"
)

func TestGraphQLDecodeErrorsInWords(t *testing.T) {
	t.Parallel()
	type deployments struct {
		Repository struct {
			Deployments struct {
				Nodes []struct {
					DatabaseID int64     `json:"databaseId"`
					CreatedAt  time.Time `json:"createdAt"`
					Latest     *struct {
						State string `json:"state"`
					} `json:"latestStatus"`
				} `json:"nodes"`
			} `json:"deployments"`
		} `json:"repository"`
	}
	tests := []struct {
		name string
		data string
		want string
	}{
		{"an array for an object", `{"repository":[]}`, "field repository holds an array where an object belongs"},
		{"an array for an object, deeper", `{"repository":{"deployments":{"nodes":{"a":1}}}}`, "field repository.deployments.nodes holds an object where an array belongs"},
		{"a string for a number", `{"repository":{"deployments":{"nodes":[{"databaseId":1},{"databaseId":"2"}]}}}`, "field repository.deployments.nodes.1.databaseId holds a string where a number belongs"},
		{"a fraction for a whole number", `{"repository":{"deployments":{"nodes":[{"databaseId":1.5}]}}}`, "field repository.deployments.nodes.0.databaseId holds the number 1.5 where a whole number belongs"},
		{"a number for a string", `{"repository":{"deployments":{"nodes":[{"latestStatus":{"state":7}}]}}}`, "field repository.deployments.nodes.0.latestStatus.state holds the number 7 where a string belongs"},
		{"not a time", `{"repository":{"deployments":{"nodes":[{"createdAt":"yesterday"}]}}}`, "field repository.deployments.nodes.0.createdAt holds a string that does not read as a date and time"},
		{"data is an array", `[1]`, "the data holds an array where an object belongs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newGQL(t, always(200, nil, `{"data":`+tt.data+`}`), nil)
			var out deployments
			_, err := s.gql.QueryPartial(context.Background(), "query{...}", nil, &out)
			var bad *githubapi.BadAnswerError
			if !errors.As(err, &bad) {
				t.Fatalf("QueryPartial = %v, want a *BadAnswerError", err)
			}
			if bad.What != tt.want {
				t.Errorf("What = %q\nwant   %q", bad.What, tt.want)
			}
			for _, never := range []string{"struct", "Go ", "int64", "time.Time", "unmarshal", "2006"} {
				if strings.Contains(err.Error(), never) {
					t.Errorf("error %q says %q", err, never)
				}
			}
			if n := s.requests(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}
