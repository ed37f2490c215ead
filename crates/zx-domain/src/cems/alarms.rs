//! Alarm rules on minute data. Being written.
