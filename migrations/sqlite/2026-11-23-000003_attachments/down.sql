DROP INDEX proposal_attachments_proposal;
DROP TABLE proposal_attachments;
