"""Knowledge articles in the founding article's shape: the text format (parse and render), an
article written from the tables, and the review of an article against them. Stands on fees and
reference data, never on practice or training."""
