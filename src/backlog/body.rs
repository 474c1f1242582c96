//! Task body sections: Description, Acceptance Criteria, Definition of Done,
//! Implementation Plan / Notes, Final Summary, markdown links.
