"""The demo job site: the fixture sites the tests scrape, served for `make run` as well."""
