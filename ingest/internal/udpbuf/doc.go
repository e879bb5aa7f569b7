// Package udpbuf sizes the receive buffer of the inputs' UDP sockets, where
// bursts wait while the pipeline is busy.
package udpbuf
