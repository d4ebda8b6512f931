// Command godo-lifecycle drives one custom image through the lifecycle that
// `@pulumi/digitalocean`'s CustomImage (terraform-provider-digitalocean's
// `digitalocean_custom_image`, bridged) runs, with the API client that provider
// sends every request through: godo at the version the provider vendors, on
// go-retryablehttp and oauth2 as its config.go sets them up.
//
// It stands in for the anchor's plugin, which cannot be built here (see
// tools/anchor/README.md): the order of calls follows
// digitalocean/image/resource_custom_image.go and digitalocean/util/wait.go.
// With -schedule terraform its waits are the Terraform SDK's own
// StateChangeConf (the fork the provider builds with) with the provider's
// settings, in real time; with -schedule poll they are -poll apart, to check
// the wire quickly.
//
// Each step prints one JSON line to stdout. Any error from godo, including an
// answer it cannot decode, ends the run with exit status 1 after printing it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/digitalocean/godo"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/retry"
	"golang.org/x/oauth2"
)

type options struct {
	endpoint    string
	token       string
	name        string
	renamed     string
	description string
	imageURL    string
	regions     []string
	addRegion   string
	tags        []string
	perPage     int
	poll        time.Duration
	schedule    string
	timeout     time.Duration
}

type step struct {
	Step   string      `json:"step"`
	Image  *godo.Image `json:"image,omitempty"`
	Action *actionView `json:"action,omitempty"`
	Polls  int         `json:"polls,omitempty"`
	Pages  int         `json:"pages,omitempty"`
	Listed int         `json:"listed,omitempty"`
	Error  string      `json:"error,omitempty"`
}

type actionView struct {
	ID          int    `json:"id"`
	Status      string `json:"status"`
	Type        string `json:"type"`
	ResourceID  int    `json:"resourceId"`
	RegionSlug  string `json:"regionSlug"`
	CompletedAt string `json:"completedAt,omitempty"`
}

func main() {
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	client, err := newClient(opts)
	if err != nil {
		emit(step{Step: "configure", Error: err.Error()})
		os.Exit(1)
	}
	if err := run(context.Background(), client, opts); err != nil {
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var opts options
	var regions, tags string
	fs := flag.NewFlagSet("godo-lifecycle", flag.ContinueOnError)
	fs.StringVar(&opts.endpoint, "endpoint", "", "API endpoint, e.g. http://127.0.0.1:41234")
	fs.StringVar(&opts.name, "name", "anchor-image", "image name at create")
	fs.StringVar(&opts.renamed, "renamed", "anchor-image-renamed", "image name after the update")
	fs.StringVar(&opts.description, "description", "updated by godo", "description after the update")
	fs.StringVar(&opts.imageURL, "url", "https://images.example.com/anchor.qcow2", "image URL")
	fs.StringVar(&regions, "regions", "nyc3,sfo3,ams3", "regions at create, comma-separated; the first receives the import")
	fs.StringVar(&opts.addRegion, "add-region", "fra1", "region added by the second update")
	fs.StringVar(&tags, "tags", "anchor", "tags, comma-separated")
	fs.IntVar(&opts.perPage, "per-page", 200, "per_page of the listing (the data sources ask 200)")
	fs.StringVar(&opts.schedule, "schedule", "poll", `waits: "poll" (-poll apart) or "terraform" (the provider's StateChangeConf, real time)`)
	fs.DurationVar(&opts.poll, "poll", 200*time.Millisecond, "interval between refreshes while waiting")
	fs.DurationVar(&opts.timeout, "timeout", 2*time.Minute, "limit of each wait")
	if err := fs.Parse(args); err != nil {
		return opts, err
	}
	opts.token = os.Getenv("DIGITALOCEAN_TOKEN")
	opts.regions = splitList(regions)
	opts.tags = splitList(tags)
	switch {
	case opts.endpoint == "":
		return opts, errors.New("-endpoint is required")
	case opts.token == "":
		return opts, errors.New("DIGITALOCEAN_TOKEN must be set")
	case len(opts.regions) == 0:
		return opts, errors.New("-regions needs at least one region")
	case opts.schedule != "poll" && opts.schedule != "terraform":
		return opts, fmt.Errorf("-schedule must be poll or terraform, got %q", opts.schedule)
	}
	return opts, nil
}

func splitList(value string) []string {
	var out []string
	for _, item := range strings.Split(value, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// newClient builds the client as the provider's config.go does with its
// defaults (http_retry_max 4, wait 1 s to 30 s), the user agent aside.
func newClient(opts options) (*godo.Client, error) {
	retryable := retryablehttp.NewClient()
	retryable.RetryMax = 4
	retryable.RetryWaitMin = time.Second
	retryable.RetryWaitMax = 30 * time.Second
	retryable.Logger = nil
	httpClient := retryable.StandardClient()
	httpClient.Transport = &oauth2.Transport{
		Base:   httpClient.Transport,
		Source: oauth2.ReuseTokenSource(nil, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: opts.token})),
	}
	client, err := godo.New(httpClient, godo.SetUserAgent("Terraform/godo-lifecycle"))
	if err != nil {
		return nil, err
	}
	base, err := url.Parse(opts.endpoint)
	if err != nil {
		return nil, fmt.Errorf("-endpoint: %w", err)
	}
	client.BaseURL = base
	return client, nil
}

func run(ctx context.Context, client *godo.Client, opts options) error {
	created, err := create(ctx, client, opts)
	if err != nil {
		return err
	}
	id := created.ID
	if _, err := refresh(ctx, client, "read after create", id); err != nil {
		return err
	}
	updated, _, err := client.Images.Update(ctx, id, &godo.ImageUpdateRequest{
		Name:         opts.renamed,
		Distribution: "Unknown",
		Description:  opts.description,
	})
	if err := report(step{Step: "update name and description", Image: updated}, err); err != nil {
		return err
	}
	if err := checkImage(updated, id, opts.renamed, opts.description); err != nil {
		return report(step{Step: "update name and description"}, err)
	}
	if err := transfer(ctx, client, opts, id, opts.addRegion); err != nil {
		return err
	}
	current, err := refresh(ctx, client, "refresh", id)
	if err != nil {
		return err
	}
	want := append(slices.Clone(opts.regions), opts.addRegion)
	if err := sameRegions(current.Regions, want); err != nil {
		return report(step{Step: "refresh"}, err)
	}
	if err := listAll(ctx, client, opts, id); err != nil {
		return err
	}
	_, err = client.Images.Delete(ctx, id)
	if err != nil && strings.Contains(err.Error(), alreadyDeleted) {
		err = nil
	}
	if err := report(step{Step: "delete"}, err); err != nil {
		return err
	}
	gone, _, err := client.Images.GetByID(ctx, id)
	if err == nil && gone.Status != "deleted" {
		err = fmt.Errorf("image %d is %q after its delete; a refresh expects \"deleted\" or 404", id, gone.Status)
	}
	var apiErr *godo.ErrorResponse
	if errors.As(err, &apiErr) && apiErr.Response.StatusCode == 404 {
		err = nil
	}
	if err := report(step{Step: "refresh after delete", Image: gone}, err); err != nil {
		return err
	}
	_, err = client.Images.Delete(ctx, id)
	if err == nil {
		err = fmt.Errorf("a second delete of image %d succeeded; DigitalOcean refuses it", id)
	} else if strings.Contains(err.Error(), alreadyDeleted) {
		err = nil
	}
	return report(step{Step: "delete again"}, err)
}

// alreadyDeleted is the text resourceDigitalOceanCustomImageDelete looks for
// in the error of a DELETE: with it, deleting an image that is already
// deleted is a success; with any other text, the destroy fails.
const alreadyDeleted = "Image Can not delete an already deleted image."

// create is resourceDigitalOceanCustomImageCreate: import into the first
// region, wait for `available`, transfer to every other region one after
// another, each waited for through GET /v2/actions/{id}.
func create(ctx context.Context, client *godo.Client, opts options) (*godo.Image, error) {
	image, _, err := client.Images.Create(ctx, &godo.CustomImageCreateRequest{
		Name:         opts.name,
		Url:          opts.imageURL,
		Region:       opts.regions[0],
		Distribution: "Unknown",
		Tags:         opts.tags,
	})
	if err := report(step{Step: "create", Image: image}, err); err != nil {
		return nil, err
	}
	if image.ID < 1 {
		return nil, report(step{Step: "create"}, fmt.Errorf("the created image has no usable id (%d)", image.ID))
	}
	available, polls, err := waitForImage(ctx, client, opts, image.ID)
	if err := report(step{Step: "wait for available", Image: available, Polls: polls}, err); err != nil {
		return nil, err
	}
	if err := sameRegions(available.Regions, opts.regions[:1]); err != nil {
		return nil, report(step{Step: "wait for available"}, err)
	}
	for _, region := range opts.regions[1:] {
		if err := transfer(ctx, client, opts, image.ID, region); err != nil {
			return nil, err
		}
	}
	return available, nil
}

// The provider's two waits: resource_custom_image.go's waitForImage and
// util/wait.go's WaitForAction.
var (
	importWait = retry.StateChangeConf{Pending: []string{"NEW", "pending"}, Target: []string{"available"}, Delay: time.Second, MinTimeout: 60 * time.Second}
	actionWait = retry.StateChangeConf{Pending: []string{"in-progress"}, Target: []string{"completed"}, Delay: 10 * time.Second, MinTimeout: 3 * time.Second, NotFoundChecks: 60}
)

// waitFor refreshes until a target state: with -schedule terraform through
// the Terraform SDK's own StateChangeConf with the provider's settings, in
// real time; with -schedule poll every -poll. It returns the last result and
// how many refreshes were made.
func waitFor(ctx context.Context, opts options, conf retry.StateChangeConf, refresh retry.StateRefreshFunc) (any, int, error) {
	polls := 0
	counted := func() (any, string, error) {
		polls++
		return refresh()
	}
	if opts.schedule == "terraform" {
		conf.Refresh = counted
		conf.Timeout = opts.timeout
		result, err := conf.WaitForStateContext(ctx)
		return result, polls, err
	}
	deadline := time.Now().Add(opts.timeout)
	for {
		result, state, err := counted()
		switch {
		case err != nil:
			return result, polls, err
		case slices.Contains(conf.Target, state):
			return result, polls, nil
		case !slices.Contains(conf.Pending, state):
			return result, polls, fmt.Errorf("unexpected state %q, wanted target %v", state, conf.Target)
		case time.Now().After(deadline):
			return result, polls, fmt.Errorf("timeout after %s, last state %q", opts.timeout, state)
		}
		time.Sleep(opts.poll)
	}
}

// waitForImage is the provider's waitForImage with imageStateRefreshFunc.
func waitForImage(ctx context.Context, client *godo.Client, opts options, id int) (*godo.Image, int, error) {
	var last *godo.Image
	_, polls, err := waitFor(ctx, opts, importWait, func() (any, string, error) {
		image, _, err := client.Images.GetByID(ctx, id)
		if err != nil {
			return nil, "", err
		}
		last = image
		if image.Status == "deleted" {
			return nil, "", fmt.Errorf("image %d failed: %s", id, image.ErrorMessage)
		}
		return image, image.Status, nil
	})
	return last, polls, err
}

// transfer is one region of distributeImageToRegions: the transfer action,
// then WaitForAction's refresh (completed once completed_at is set).
func transfer(ctx context.Context, client *godo.Client, opts options, id int, region string) error {
	name := "transfer to " + region
	action, _, err := client.ImageActions.Transfer(ctx, id, &godo.ActionRequest{"type": "transfer", "region": region})
	if err := report(step{Step: name, Action: viewAction(action)}, err); err != nil {
		return err
	}
	if action.ID < 1 {
		return report(step{Step: name}, fmt.Errorf("the transfer action has no usable id (%d)", action.ID))
	}
	var last *godo.Action
	_, polls, err := waitFor(ctx, opts, actionWait, func() (any, string, error) {
		current, _, err := client.Actions.Get(ctx, action.ID)
		if err != nil {
			return nil, "", err
		}
		last = current
		switch {
		case current.Status == "errored":
			return current, "errored", nil
		case current.CompletedAt != nil:
			return current, "completed", nil
		}
		return current, "in-progress", nil
	})
	return report(step{Step: "wait for " + name, Action: viewAction(last), Polls: polls}, err)
}

// listAll pages through GET /v2/images as the image data sources do
// (digitalocean/image/images.go): the next page is the current one, which godo
// reads from the `prev` link, plus one, until a page has no `next` link.
func listAll(ctx context.Context, client *godo.Client, opts options, id int) error {
	const name = "list images, every page"
	list := &godo.ListOptions{Page: 1, PerPage: opts.perPage}
	seen, pages, total := 0, 0, -1
	for listed := 0; ; {
		images, resp, err := client.Images.List(ctx, list)
		if err != nil {
			return report(step{Step: name, Pages: pages, Listed: listed}, err)
		}
		pages++
		listed += len(images)
		for _, image := range images {
			if image.ID == id {
				seen++
			}
		}
		if resp.Meta != nil {
			total = resp.Meta.Total
		}
		if resp.Links == nil || resp.Links.IsLastPage() {
			if seen != 1 || listed != total {
				err = fmt.Errorf("listed %d images (meta.total %d), image %d %d times", listed, total, id, seen)
			}
			return report(step{Step: name, Pages: pages, Listed: listed}, err)
		}
		current, err := resp.Links.CurrentPage()
		if err != nil {
			return report(step{Step: name, Pages: pages, Listed: listed}, err)
		}
		if current != list.Page {
			return report(step{Step: name, Pages: pages, Listed: listed}, fmt.Errorf("godo reads page %d from the links of page %d", current, list.Page))
		}
		list.Page = current + 1
	}
}

// refresh is resourceDigitalOceanCustomImageRead.
func refresh(ctx context.Context, client *godo.Client, name string, id int) (*godo.Image, error) {
	image, _, err := client.Images.GetByID(ctx, id)
	if err == nil && image.Status == "deleted" {
		err = fmt.Errorf("image %d is deleted", id)
	}
	return image, report(step{Step: name, Image: image}, err)
}

func checkImage(image *godo.Image, id int, name, description string) error {
	if image == nil {
		return errors.New("no image in the answer")
	}
	if image.ID != id || image.Name != name || image.Description != description {
		return fmt.Errorf("answer holds id %d, name %q, description %q; want %d, %q, %q", image.ID, image.Name, image.Description, id, name, description)
	}
	return nil
}

func sameRegions(got, want []string) error {
	a, b := slices.Clone(got), slices.Clone(want)
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(a, b) {
		return fmt.Errorf("regions %v, want %v", got, want)
	}
	return nil
}

func viewAction(action *godo.Action) *actionView {
	if action == nil {
		return nil
	}
	view := &actionView{ID: action.ID, Status: action.Status, Type: action.Type, ResourceID: action.ResourceID, RegionSlug: action.RegionSlug}
	if action.CompletedAt != nil {
		view.CompletedAt = action.CompletedAt.Format(time.RFC3339)
	}
	return view
}

// report prints the step, with err if any, and returns err.
func report(s step, err error) error {
	if err != nil {
		s.Error = err.Error()
	}
	emit(s)
	return err
}

func emit(s step) {
	line, _ := json.Marshal(s)
	fmt.Println(string(line))
}
