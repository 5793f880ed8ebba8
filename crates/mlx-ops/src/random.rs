//! Random number generation (filled in with the key-based generator).
