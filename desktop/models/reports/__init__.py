"""How the town serves: CitiStat's numbers, the council's monthly report, goals and exports."""
