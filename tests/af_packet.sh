#!/bin/bash
# tests/traffic.sh on AF_PACKET ports bound to veth pairs into two
# namespaces: ping; a 32 MiB TCP transfer arrives byte-identical across a
# worker SIGKILL; UDP at a fixed rate loses nothing in the rings.
# AF_PACKET cannot transmit from a secondary process, so the workers hand
# their packets to the master's transmitter (tx: auto picks it).
TOPOLOGY=af_packet
. "$(dirname "$0")/traffic.sh"
