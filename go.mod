module github.com/pbxalarm/pbxalarm

go 1.26
