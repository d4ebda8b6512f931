module godo-lifecycle

go 1.23.0

require (
	github.com/digitalocean/godo v1.152.0
	github.com/hashicorp/go-retryablehttp v0.7.7
	golang.org/x/oauth2 v0.28.0
)

require (
	github.com/google/go-querystring v1.1.0 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	golang.org/x/time v0.6.0 // indirect
)
