//! cdp neighbours (stub, filled in by the neighbour work).
