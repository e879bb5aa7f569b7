package ingest

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/pbxalarm/pbxalarm/ingest/publish"
)

// natsAuth is the user and password, or the token, written into the NATS
// URLs. They are taken out so that they reach the client as options: a URL
// is logged (at start, on every connect and reconnect, in errors) and must
// then hold nothing secret.
type natsAuth struct {
	user, password, token string
}

func (a natsAuth) set() bool { return a != natsAuth{} }

// NATSConnConfig returns the connection settings for urls
// (comma-separated): the URLs without user information, and that
// information as User and Password or as Token, so that the URLs, which
// are logged, hold no secret. Errors never quote user information.
func NATSConnConfig(urls string) (publish.ConnConfig, error) {
	if urls == "" {
		return publish.ConnConfig{}, nil
	}
	clean, a, err := splitNATSURLs(urls)
	if err != nil {
		return publish.ConnConfig{}, err
	}
	return publish.ConnConfig{URLs: clean, User: a.user, Password: a.password, Token: a.token}, nil
}

// splitNATSURLs returns the comma-separated urls without their user
// information, and that information. As the NATS client reads it, a URL
// with a user and no password carries a token. Every URL that carries user
// information must carry the same; errors never quote it.
func splitNATSURLs(urls string) (string, natsAuth, error) {
	var (
		clean []string
		auth  natsAuth
		errs  []error
	)
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			errs = append(errs, fmt.Errorf("URL %d of %d is empty", i+1, len(parts)))
			continue
		}
		if !strings.Contains(p, "://") {
			p = "nats://" + p // as the NATS client does
		}
		u, err := url.Parse(p)
		if err != nil {
			// url.Parse quotes the URL in its error: say only where.
			errs = append(errs, fmt.Errorf("URL %d of %d (%s) cannot be parsed", i+1, len(parts), RedactURLs(p)))
			continue
		}
		if u.User != nil {
			var a natsAuth
			if pass, ok := u.User.Password(); ok {
				a.user, a.password = u.User.Username(), pass
				if a.user == "" {
					errs = append(errs, fmt.Errorf("URL %d of %d has a password but no user", i+1, len(parts)))
				}
			} else {
				a.token = u.User.Username()
			}
			if auth.set() && a != auth {
				errs = append(errs, errors.New("the URLs carry different users or tokens: give one, in every URL or the first"))
			}
			auth = a
			u.User = nil
		}
		clean = append(clean, u.String())
	}
	if err := errors.Join(errs...); err != nil {
		return "", natsAuth{}, err
	}
	return strings.Join(clean, ","), auth, nil
}

// RedactURLs returns urls (one or several, comma-separated) with any user
// information replaced by "redacted", for logs and messages: a NATS URL
// may carry a password or a token.
func RedactURLs(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		scheme, rest, ok := strings.Cut(p, "://")
		if !ok {
			scheme, rest = "", p
		}
		host := rest
		if slash := strings.IndexAny(rest, "/?#"); slash >= 0 {
			host = rest[:slash]
		}
		at := strings.LastIndexByte(host, '@')
		if at < 0 {
			continue
		}
		rest = "redacted@" + rest[at+1:]
		if ok {
			rest = scheme + "://" + rest
		}
		parts[i] = rest
	}
	return strings.Join(parts, ",")
}
