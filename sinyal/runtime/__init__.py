"""Entry points that run processes: `sinyal run`, its services, Rasa, training, doctor."""
