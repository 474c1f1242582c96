//! The flowspec workflow axis: `workflow:<State>` labels and `flowspec_workflow.yml`.
