//! The inquiry → payment → status conversation (in progress).
